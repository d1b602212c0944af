import { expect } from 'chai';
import { answerError, assignmentOf, counterFields, errorFields, memberListOf, serverListOf, trimSlashes } from '../src/answers.js';
import type { HttpAnswer } from '../src/http-call.js';
import { refusal } from './helpers/refusal.js';

const answer = (status: number, body: unknown, text = JSON.stringify(body) ?? ''): HttpAnswer => ({ kind: 'answer', status, headers: {}, body, text });
/** The message of the bad_answer error that `fn` throws. */
const badAnswer = (fn: () => unknown): string => refusal(fn).replace(/^bad_answer: /, '');

describe('errorFields()', () => {
  it("reads a 408's code, message, best value, acks and missing servers", () => {
    const fields = errorFields(answer(408, { error: { code: 'timeout', message: 'slow', value: '-12', acks: 1, required: 3, missing: ['s2'] } }));
    expect(fields).to.deep.equal({ code: 'timeout', message: 'slow', value: -12n, acks: 1, required: 3, missing: ['s2'] });
  });

  it('falls back to the status and the text for a body that is not an error object', () => {
    expect(errorFields(answer(502, undefined, '  Bad\n gateway  '))).to.deep.include({ code: 'http_502', message: 'Bad gateway' });
    expect(errorFields(answer(500, undefined, ''))).to.deep.include({ code: 'http_500', message: 'HTTP 500' });
  });

  it('ignores fields of the wrong type', () => {
    const fields = errorFields(answer(408, { error: { code: 1, message: 'm', value: 5, acks: '1', missing: [1] } }));
    expect(fields).to.deep.equal({ code: 'http_408', message: 'm', value: undefined, acks: undefined, required: undefined, missing: undefined });
  });
});

describe('answerError()', () => {
  it("keeps the server's status, code and message", () => {
    const err = answerError(answer(400, { error: { code: 'bad_amount', message: 'no' } }));
    expect([err.status, err.code, err.message]).to.deep.equal([400, 'bad_amount', 'no']);
  });
});

describe('counterFields()', () => {
  it('reads the value exactly, and a write receipt', () => {
    expect(counterFields(answer(200, { value: '123456789012345678901234567890', slot: 's1:1', seq: '3' }))).to.deep.equal({ value: 123456789012345678901234567890n, slot: 's1:1', seq: '3' });
  });

  it('refuses an answer without a decimal value, quoting it', () => {
    expect(badAnswer(() => counterFields(answer(200, { value: 5 })))).to.equal('the server answered without a decimal "value", got 200 "{\\"value\\":5}"');
  });
});

describe('assignmentOf()', () => {
  it('reads {id, url} without trailing slashes', () => {
    expect(assignmentOf(answer(200, { id: 's1', url: 'http://127.0.0.1:7001/' }))).to.deep.equal({ id: 's1', url: 'http://127.0.0.1:7001' });
  });

  it('refuses a URL that is not http(s)', () => {
    expect(badAnswer(() => assignmentOf(answer(200, { id: 's1', url: 'file:///etc' })))).to.match(/^the balancer answered \/assign without an \{id, url\}/);
  });
});

describe('serverListOf() and memberListOf()', () => {
  it('read valid lists and refuse malformed ones', () => {
    expect(serverListOf(answer(200, [{ id: 's1', url: 'http://a:1/', status: 'ready' }]))).to.deep.equal([{ id: 's1', url: 'http://a:1', status: 'ready' }]);
    expect(badAnswer(() => serverListOf(answer(200, [{ id: 's1' }])))).to.match(/without a list of \{id, url, status\}/);
    const member = { id: 's1', url: 'http://a:1', state: 'active', epoch: 1, lastContact: null };
    expect(memberListOf(answer(200, [member]))).to.deep.equal([member]);
    expect(badAnswer(() => memberListOf(answer(200, [{ ...member, state: 'gone' }])))).to.match(/answered \/members without a list/);
  });
});

describe('trimSlashes()', () => {
  it('drops every trailing slash and nothing else', () => {
    expect(trimSlashes('http://a//b///')).to.equal('http://a//b');
  });
});
