import { clientFrame, commandBody, createRoomBody, editMessageBody, loginBody, messagesQuery, reactBody, readBody, registerBody, sendMessageBody, usernameBody, usersQuery } from '@chatterlink/schema/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tally } from './tally';

const RUNS = 3000;

/** A message body the schema accepts: 1–4000 code points, not only white space. */
const body = fc.string({ minLength: 1, maxLength: 300, unit: 'grapheme' }).filter((s) => s.trim().length > 0 && [...s].length <= 4000);
const emoji = fc.constantFrom('👍', '🎉', ':tada:', '❤️', 'x');
const position = fc.nat({ max: Number.MAX_SAFE_INTEGER });

/** Every client frame type with valid content. */
const validFrame = fc.oneof(
  fc.record({ type: fc.constant('hello'), since: position }),
  fc.record({ type: fc.constant('send'), id: fc.uuid(), room: fc.uuid(), body }),
  fc.record({ type: fc.constant('edit'), id: fc.uuid(), message: fc.uuid(), body }),
  fc.record({ type: fc.constant('delete'), id: fc.uuid(), message: fc.uuid() }),
  fc.record({ type: fc.constant('react'), id: fc.uuid(), message: fc.uuid(), emoji }),
  fc.record({ type: fc.constant('read'), room: fc.uuid(), position }),
  fc.record({ type: fc.constant('typing'), room: fc.uuid() }),
  fc.record({ type: fc.constant('ping') }),
);

/** Runs a property, counting each generated input as one attack on the decoder. */
function check<T>(arbitrary: fc.Arbitrary<T>, predicate: (value: T) => void, numRuns = RUNS): void {
  try {
    fc.assert(fc.property(arbitrary, predicate), { numRuns });
  } catch (error) {
    tally({ attacksTried: numRuns, attacksSucceeded: 1 });
    throw error;
  }
  tally({ attacksTried: numRuns });
}

describe('the WebSocket frame decoder (property-based)', () => {
  it('never throws on arbitrary JSON, and accepts only known frame types', () => {
    check(fc.jsonValue(), (value) => {
      const parsed = clientFrame.safeParse(value);
      if (parsed.success) expect(['hello', 'send', 'edit', 'delete', 'react', 'read', 'typing', 'ping']).toContain(parsed.data.type);
    });
  });

  it('never throws on arbitrary JavaScript values either', () => {
    check(fc.anything(), (value) => void clientFrame.safeParse(value));
  });

  it('accepts every valid frame unchanged', () => {
    check(validFrame, (frame) => {
      expect(clientFrame.parse(frame)).toEqual(frame);
    });
  });

  it('refuses a valid frame missing any one of its fields', () => {
    const mutilated = validFrame.chain((frame) =>
      fc.constantFrom(...Object.keys(frame)).map((dropped) => Object.fromEntries(Object.entries(frame).filter(([k]) => k !== dropped))),
    );
    check(mutilated, (frame) => {
      expect(clientFrame.safeParse(frame).success).toBe(false);
    });
  });

  it('refuses a valid frame with any one field replaced by a value of another kind', () => {
    const retyped = fc
      .tuple(validFrame.filter((f) => Object.keys(f).length > 1), fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.nat()), fc.object()))
      .chain(([frame, junk]) =>
        fc.constantFrom(...Object.keys(frame).filter((k) => k !== 'type')).map((field) => ({ ...frame, [field]: junk })),
      )
      .filter((frame) => !(typeof (frame as { since?: unknown }).since === 'number' || typeof (frame as { position?: unknown }).position === 'number'));
    check(retyped, (frame) => {
      expect(clientFrame.safeParse(frame).success).toBe(false);
    });
  });
});

describe('the HTTP body and query decoders (property-based)', () => {
  const schemas = { registerBody, loginBody, createRoomBody, usernameBody, sendMessageBody, editMessageBody, commandBody, reactBody, readBody, messagesQuery, usersQuery };
  for (const [name, schema] of Object.entries(schemas)) {
    it(`${name} never throws on arbitrary input`, () => {
      check(fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), fc.string())), (value) => void schema.safeParse(value), 1000);
    });
  }

  it('sendMessageBody accepts exactly the bodies of 1–4000 code points that are not only white space', () => {
    const candidate = fc.oneof(body, fc.string({ maxLength: 20, unit: fc.constantFrom(' ', '\t', '\n', '\u00a0') }), fc.constant('x'.repeat(4001)));
    check(candidate, (text) => {
      const accepted = sendMessageBody.safeParse({ id: crypto.randomUUID(), body: text }).success;
      expect(accepted).toBe(text.trim().length > 0 && [...text].length <= 4000);
    });
  });
});
