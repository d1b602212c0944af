import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import { answerConnect, clientErrorResponse, handleClientError, type ClientSocket } from '../src/client-error.js';

class FakeResponse extends EventEmitter {
  writableFinished = false;
  headersSent = false;
  req = { complete: true };
}

class FakeSocket implements ClientSocket {
  writable = true;
  _httpMessage: FakeResponse | null = null;
  ended: Array<string | undefined> = [];
  destroyed = 0;
  end(data?: string): void {
    this.ended.push(data);
  }
  destroy(): void {
    this.destroyed++;
  }
}

describe('handleClientError()', () => {
  it('answers a JSON 4xx with Connection: close when no answer is in flight', () => {
    const socket = new FakeSocket();
    handleClientError({ code: 'HPE_UNEXPECTED_CONTENT_LENGTH' }, socket);
    expect(socket.ended).to.have.length(1);
    const raw = socket.ended[0] ?? '';
    expect(raw).to.match(/^HTTP\/1\.1 400 /);
    expect(raw).to.include('Connection: close');
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { error: { code: string; message: string } };
    expect(body.error.message).to.include('Content-Length');
  });

  it('writes nothing while a handler answer is in flight, and ends the socket once it finished', () => {
    const socket = new FakeSocket();
    const response = new FakeResponse();
    socket._httpMessage = response;
    handleClientError({ code: 'HPE_INVALID_METHOD' }, socket);
    expect(socket.ended).to.deep.equal([]);
    response.writableFinished = true;
    response.emit('finish');
    expect(socket.ended).to.deep.equal([undefined]);
    expect(socket.destroyed).to.equal(0);
  });

  it('waits for every pipelined answer before ending the socket', () => {
    const socket = new FakeSocket();
    const first = new FakeResponse();
    const second = new FakeResponse();
    socket._httpMessage = first;
    handleClientError({ code: 'HPE_INVALID_METHOD' }, socket);
    first.writableFinished = true;
    socket._httpMessage = second; // what Node does when the first answer finishes
    first.emit('finish');
    expect(socket.ended).to.deep.equal([]);
    second.writableFinished = true;
    second.emit('finish');
    expect(socket.ended).to.deep.equal([undefined]);
  });

  it('answers the 4xx itself when the error is in the in-flight request\'s own body', () => {
    const socket = new FakeSocket();
    const response = new FakeResponse();
    response.req = { complete: false };
    socket._httpMessage = response;
    handleClientError({ code: 'HPE_INVALID_CHUNK_SIZE' }, socket);
    expect(socket.ended[0]).to.match(/^HTTP\/1\.1 400 /).and.include('chunk size');
  });

  it('cuts the connection when a broken request\'s answer had already started', () => {
    const socket = new FakeSocket();
    const response = new FakeResponse();
    response.req = { complete: false };
    response.headersSent = true;
    socket._httpMessage = response;
    handleClientError({ code: 'HPE_INVALID_CHUNK_SIZE' }, socket);
    expect(socket.destroyed).to.equal(1);
    expect(socket.ended).to.deep.equal([]);
  });

  it('acts once per socket, however many parse errors follow', () => {
    const socket = new FakeSocket();
    handleClientError({ code: 'HPE_INVALID_METHOD' }, socket);
    handleClientError({ code: 'HPE_INVALID_METHOD' }, socket);
    expect(socket.ended).to.have.length(1);
  });

  it('destroys a socket it can no longer write to', () => {
    const socket = new FakeSocket();
    socket.writable = false;
    handleClientError({ code: 'HPE_INVALID_METHOD' }, socket);
    expect(socket.destroyed).to.equal(1);
    expect(socket.ended).to.deep.equal([]);
  });
});

describe('clientErrorResponse()', () => {
  it('answers oversized headers with 431 and a message', () => {
    const raw = clientErrorResponse('HPE_HEADER_OVERFLOW');
    expect(raw).to.match(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
    expect(Buffer.byteLength(body)).to.equal(Number(/Content-Length: (\d+)/.exec(raw)?.[1]));
    expect((JSON.parse(body) as { error: { code: string } }).error.code).to.equal('headers_too_large');
  });
});

describe('answerConnect()', () => {
  it('ends the socket with a JSON 405 that says CONNECT is not supported', () => {
    const written: string[] = [];
    const socket: ClientSocket = { writable: true, end: (data?: string) => written.push(data ?? ''), destroy: () => written.push('destroyed') };
    answerConnect({}, socket);
    expect(written).to.have.length(1);
    expect(written[0]).to.match(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    const body = JSON.parse(written[0]?.slice(written[0].indexOf('\r\n\r\n') + 4) ?? '') as { error: { code: string; message: string } };
    expect(body.error).to.deep.equal({ code: 'method_not_allowed', message: 'method CONNECT is not supported: Tally is not a proxy' });
  });
});
