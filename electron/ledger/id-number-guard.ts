// Runs anywhere (pure). A seatbelt, not the privacy design: the entry body types and their schemas
// are what keep clear ID numbers and names out of the ledger. This catches the cheap-to-detect
// mistake (a clear ID number slipped into a free-text field, or passed where its keyed hash belongs)
// before it is written to a file that can never be edited. It cannot recognise names.
//
// Flags, as a run not touching other digits:
// - 17 digits then a digit or X/x: the 18-character resident ID number (also HK/Macau/Taiwan
//   residence permits and 2023 foreign permanent-residence cards, which share its layout);
// - 15 digits: first-generation resident ID numbers;
// - 3 capital letters then 12 digits: 2017 foreign permanent-residence card numbers.
// Runs of 32 or more hex characters are skipped first: a SHA-256 or HMAC in hex (such as the keyed
// hash of the ID number itself) contains 15-digit runs often enough (a few in a thousand) that
// flagging them would make appends fail at random.

const LONG_HEX_RUN = /[0-9A-Fa-f]{32,}/g;
const ID_NUMBER_LIKE = /(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9])|(?<![A-Za-z0-9])[A-Z]{3}[0-9]{12}(?![0-9])/;

export function containsIdNumberLikeString(text: string): boolean {
  return ID_NUMBER_LIKE.test(text.replace(LONG_HEX_RUN, '#'));
}
