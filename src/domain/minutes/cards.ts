// Cards, as far as minutes played care: a red or a second yellow sends a player off.

export type CardType = 'yellow' | 'second-yellow' | 'red';

/** Cards that send a player off and so end their minutes. */
export const sendingOffCards: readonly CardType[] = ['red', 'second-yellow'];

export function isSendingOff(cardType: CardType): boolean {
  return sendingOffCards.includes(cardType);
}
