import { expect } from 'chai';
import { sendAnswer, type AnswerFields } from '../../src/routes/answers.js';
import { http, startKoa, type KoaServer } from '../support/koa-server.js';

describe('sendAnswer()', () => {
  let server: KoaServer;
  let next: AnswerFields;
  before(async () => {
    server = await startKoa((app) => app.use((ctx) => sendAnswer(ctx, next)));
  });
  after(() => server.close());

  const read: AnswerFields = { name: 'hits', value: 1n << 70n, acks: 1, required: 1, isComplete: true, token: 'tok' };
  const json = { headers: { accept: 'application/json' } };

  it('answers the value as text by default, with the token', async () => {
    next = read;
    const res = await http.get(server.url);
    expect([res.statusCode, res.body, res.headers['content-type'], res.headers['tally-token']]).to.deep.equal([200, (1n << 70n).toString(), 'text/plain; charset=utf-8', 'tok']);
    expect(res.headers['tally-applied']).to.equal(undefined);
  });

  it('answers JSON when asked, with acks only for a level above one', async () => {
    next = read;
    expect(JSON.parse((await http.get(server.url, json)).body)).to.deep.equal({ name: 'hits', value: (1n << 70n).toString() });
    next = { ...read, value: 3n, acks: 2, required: 2 };
    expect(JSON.parse((await http.get(server.url, json)).body)).to.deep.equal({ name: 'hits', value: '3', acks: 2, required: 2 });
  });

  it('gives a write its receipt and Tally-Applied', async () => {
    next = { ...read, value: 3n, write: { slot: 's1:1', seq: 9n } };
    const res = await http.get(server.url, json);
    expect(res.headers['tally-applied']).to.equal('true');
    expect(JSON.parse(res.body)).to.deep.equal({ name: 'hits', value: '3', applied: true, slot: 's1:1', seq: '9' });
  });

  it('answers 408 with the best value when a read level is not reached', async () => {
    next = { ...read, value: 3n, acks: 1, required: 3, isComplete: false };
    const res = await http.get(server.url, json);
    expect(res.statusCode).to.equal(408);
    expect(JSON.parse(res.body)).to.deep.equal({ error: { code: 'timeout', message: 'only 1 of 3 servers answered within the timeout; value is the best known', name: 'hits', value: '3', acks: 1, required: 3 } });
  });

  it('says a write that missed its level is applied, in text too', async () => {
    next = { ...read, value: 3n, acks: 1, required: 2, isComplete: false, write: { slot: 's1:1', seq: 9n } };
    const asJson = JSON.parse((await http.get(server.url, json)).body);
    expect(asJson.error.message).to.equal('the increment is applied, but only 1 of 2 servers hold it within the timeout; value is the best known');
    expect(asJson.error.applied).to.equal(true);
    const asText = await http.get(server.url);
    expect([asText.statusCode, asText.body, asText.headers['tally-applied']]).to.deep.equal([408, '3', 'true']);
  });
});
