import { expect } from 'chai';
import { TallyError } from '@tally/core';
import { assignServer } from '../src/assignment.js';
import { Registry } from '../src/registry.js';
import { pickServer } from '../src/rendezvous.js';

function registryOf(...ids: string[]): Registry {
  const registry = new Registry({ suspectAfter: 2, removeAfter: 10, now: () => 1000 });
  for (const id of ids) registry.register(id, `http://127.0.0.1:70${ids.indexOf(id) + 10}`);
  return registry;
}
const messageOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'no error';
  } catch (err) {
    expect(err).to.be.instanceOf(TallyError);
    expect([(err as TallyError).status, (err as TallyError).code]).to.deep.equal([503, 'no_servers']);
    return (err as TallyError).message;
  }
};

describe('assignServer()', () => {
  it("answers the rendezvous choice among the candidates, as {id, url}", () => {
    const registry = registryOf('s1', 's2', 's3');
    const expected = pickServer('client-7', registry.candidates());
    expect(assignServer(registry, 'client-7')).to.deep.equal({ id: expected?.id, url: expected?.url });
  });

  it('never hands out an excluded or a suspect server', () => {
    const registry = registryOf('s1', 's2', 's3');
    for (let i = 0; i < 3; i++) registry.recordCheck('s2', false);
    for (let c = 0; c < 50; c++) expect(assignServer(registry, `c${c}`, new Set(['s1'])).id).to.equal('s3');
  });

  it('says no server is registered in an empty cluster', () => {
    expect(messageOf(() => assignServer(registryOf(), 'c'))).to.equal('no server to assign: no counting server is registered');
  });

  it('counts the servers by status and names the excluded ones when none may be handed out', () => {
    const registry = registryOf('s1', 's2');
    for (let i = 0; i < 2; i++) registry.recordCheck('s2', false);
    expect(messageOf(() => assignServer(registry, 'c', new Set(['s1'])))).to.equal(
      'no server to assign: 2 registered (1 ready, 0 failing, 1 suspect) and none may be handed out: suspect servers are not, nor excluded ones (excluded: s1)',
    );
  });
});
