/** The JSON-RPC descriptors and the reading of JSON-RPC error codes, both derived from one place. */
import { describe, expect, it } from 'vitest';
import { ERROR_TABLE, errorCodeForRpc, JSON_RPC_ERRORS, type ErrorCode } from '../../src/protocol/index.js';

const standardCodes = new Set<number>(Object.values(JSON_RPC_ERRORS).map((error) => error.code));

describe('JSON-RPC error codes', () => {
  it('has exactly one error-table row saying what each server-defined JSON-RPC code means', () => {
    const serverCodes = new Set(Object.values(ERROR_TABLE).map((row) => row.rpc).filter((code) => !standardCodes.has(code)));
    for (const code of serverCodes) {
      const meaning = (Object.keys(ERROR_TABLE) as ErrorCode[]).filter((name) => ERROR_TABLE[name].rpc === code && ERROR_TABLE[name].rpcMeans);
      expect({ code, meaning: meaning.length }).toEqual({ code, meaning: 1 });
    }
  });

  it('reads every JSON-RPC code the table uses back as a code that the table maps to it', () => {
    for (const row of Object.values(ERROR_TABLE)) {
      if (standardCodes.has(row.rpc)) continue;
      expect(ERROR_TABLE[errorCodeForRpc(row.rpc)].rpc).toBe(row.rpc);
    }
  });

  it('reads the specification codes with their meaning and an unknown code as INTERNAL', () => {
    expect(errorCodeForRpc(-32700)).toBe('BAD_REQUEST');
    expect(errorCodeForRpc(-32600)).toBe('BAD_REQUEST');
    expect(errorCodeForRpc(-32601)).toBe('NOT_FOUND');
    expect(errorCodeForRpc(-32001)).toBe('PROVIDER_UNAVAILABLE');
    expect(errorCodeForRpc(-32000)).toBe('SESSION_EXPIRED');
    expect(errorCodeForRpc(-31999)).toBe('INTERNAL');
  });
});
