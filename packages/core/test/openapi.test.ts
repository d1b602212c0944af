import { expect } from 'chai';
import { z } from 'zod';
import { counterAnswerSchema, errorAnswer, jsonAnswer, jsonSchemaOf, openApiPath, textAnswer } from '../src/openapi.js';

describe('openApiPath()', () => {
  it('turns every :param into {param} and leaves the rest alone', () => {
    expect(openApiPath('/counter/:name/value')).to.equal('/counter/{name}/value');
    expect(openApiPath('/internal/members/:id/decommission')).to.equal('/internal/members/{id}/decommission');
    expect(openApiPath('/servers')).to.equal('/servers');
  });
});

describe('jsonSchemaOf()', () => {
  it('gives the JSON Schema without its $schema dialect line', () => {
    const schema = jsonSchemaOf(z.object({ a: z.string() }));
    expect(schema).to.not.have.property('$schema');
    expect(schema).to.deep.include({ type: 'object', required: ['a'] });
  });
});

describe('counterAnswerSchema', () => {
  it('takes canonical signed decimals only', () => {
    expect(counterAnswerSchema.safeParse({ name: 'a', value: '-12' }).success).to.equal(true);
    for (const value of ['012', '1e3', '', 12]) expect(counterAnswerSchema.safeParse({ name: 'a', value }).success, String(value)).to.equal(false);
  });
});

describe('errorAnswer(), jsonAnswer() and textAnswer()', () => {
  const header = { 'Retry-After': { schema: { type: 'integer' } } };

  it('add response headers only when there are some', () => {
    expect(errorAnswer('x')).to.not.have.property('headers');
    expect(errorAnswer('x', header).headers).to.deep.equal(header);
    expect(jsonAnswer('x', { type: 'object' })).to.not.have.property('headers');
    expect(jsonAnswer('x', { type: 'object' }, header).headers).to.deep.equal(header);
    expect(textAnswer('x', header).headers).to.deep.equal(header);
  });

  it('point an error answer at the shared Error schema, and a text answer at a string', () => {
    expect(errorAnswer('x')).to.deep.equal({ description: 'x', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
    expect(textAnswer('x')).to.deep.equal({ description: 'x', content: { 'text/plain': { schema: { type: 'string' } } } });
  });
});
