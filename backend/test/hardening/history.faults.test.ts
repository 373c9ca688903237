import { describe, expect, it } from 'vitest';
import { checkHistory, History, type Entry } from './history';

/** A history of three acknowledged sends in room r, at positions 1..3. */
function threeAcked() {
  const history = new History();
  const log: Entry[] = ['a', 'b', 'c'].map((id, i) => {
    const op = history.invoke(id, 0, 'r');
    op.status = 'ok';
    op.position = i + 1;
    return { messageId: id, room: 'r', position: i + 1 };
  });
  return { history, log };
}

describe('the history checker', () => {
  it('accepts a correct history', () => {
    const { history, log } = threeAcked();
    const verdict = checkHistory(history, log, [{ name: 's', entries: log }]);
    expect(verdict).toEqual({ operationsChecked: 3, lost: [], duplicates: [], phantoms: [], wrongPosition: [], misordered: [] });
  });

  it('finds an acknowledged message missing from the log and from a subscriber', () => {
    const { history, log } = threeAcked();
    const verdict = checkHistory(history, log.slice(1), [{ name: 's', entries: log.slice(0, 2) }]);
    expect(verdict.lost).toEqual(['a', 's:c']);
    expect(verdict.phantoms).toEqual(['s:a']);
  });

  it('finds duplicates in the log and in a stream, and a message nobody sent', () => {
    const { history, log } = threeAcked();
    const stranger = { messageId: 'x', room: 'r', position: 5 };
    const verdict = checkHistory(history, [...log, { ...log[0]!, position: 4 }, stranger], [{ name: 's', entries: [...log, log[2]!] }]);
    expect(verdict.duplicates).toEqual(['a', 's:c']);
    expect(verdict.phantoms).toEqual(['x']);
  });

  it('finds a wrong acknowledged position and a subscriber that saw another order', () => {
    const { history, log } = threeAcked();
    history.ops.get('b')!.position = 7;
    const verdict = checkHistory(history, log, [{ name: 's', entries: [log[1]!, log[0]!, log[2]!] }]);
    expect(verdict.wrongPosition).toEqual(['b']);
    expect(verdict.misordered).toEqual(['s: positions not increasing', 's: room r']);
  });

  it('tolerates an operation of unknown outcome that was applied once, but not one that was refused', () => {
    const { history, log } = threeAcked();
    history.invoke('u', 0, 'r').status = 'unknown';
    history.invoke('f', 0, 'r').status = 'failed';
    const withUnknown = [...log, { messageId: 'u', room: 'r', position: 4 }];
    expect(checkHistory(history, withUnknown, [{ name: 's', entries: withUnknown }]).phantoms).toEqual([]);
    const withRefused = [...log, { messageId: 'f', room: 'r', position: 4 }];
    expect(checkHistory(history, withRefused, [{ name: 's', entries: withRefused }]).phantoms).toEqual(['f']);
  });
});
