import { expect } from 'chai';
import { TallyError } from '../src/errors.js';
import { groupByTenant, parseItemsBody } from '../src/items-body.js';

const rejection = (text: string): TallyError => {
  try {
    parseItemsBody(text);
  } catch (err) {
    return err as TallyError;
  }
  throw new Error(`${text.slice(0, 80)} was accepted`);
};

describe('parseItemsBody()', () => {
  it('reads {id, tenant} pairs with key names in any case', () => {
    expect(parseItemsBody('[{"id": "a", "tenant": "t1"}, {"ID": "b", "Tenant": "t2"}]')).to.deep.equal([{ tenant: 't1', id: 'a' }, { tenant: 't2', id: 'b' }]);
    expect(parseItemsBody('[]')).to.deep.equal([]);
  });

  it('refuses the whole request at the first bad item, naming its index and the rule', () => {
    expect(rejection('[{"id": "a", "tenant": "t"}, {"id": 5, "tenant": "t"}]').message).to.include('item [1]').and.include('1 to 200');
    expect(rejection('[{"tenant": "t"}]').message).to.include('has no "id"');
    expect(rejection('[{"id": "a"}]').message).to.include('has no "tenant"');
    expect(rejection('[{"id": "a", "tenant": "-t"}]').message).to.include('tenant must be');
    expect(rejection('["a"]').message).to.include('must be an object');
  });

  it('refuses non-arrays, malformed JSON and more than 10,000 items', () => {
    expect(rejection('{}').code).to.equal('bad_items');
    expect(rejection('[').code).to.equal('bad_json');
    expect(rejection(JSON.stringify(Array.from({ length: 10_001 }, () => ({ id: 'a', tenant: 't' })))).message).to.include('at most 10000');
  });
});

describe('groupByTenant()', () => {
  it('groups ids by tenant in first-seen order, keeping repeats', () => {
    expect(groupByTenant([{ tenant: 'b', id: '1' }, { tenant: 'a', id: '2' }, { tenant: 'b', id: '1' }])).to.deep.equal([['b', ['1', '1']], ['a', ['2']]]);
  });

  it('keeps a tenant named like an Object property apart from the prototype', () => {
    expect(groupByTenant([{ tenant: 'constructor', id: '1' }])).to.deep.equal([['constructor', ['1']]]);
  });
});
