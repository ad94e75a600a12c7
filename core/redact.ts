/**
 * Personal numbers in free text: what must never be stored or logged as typed. Used by the logger (every line),
 * the transcript and the case queue (ID numbers), the complaint intake, and entity extraction (phone numbers).
 */

// Mobile numbers (optionally +86) and landlines with an area code; lookarounds stop matches inside longer digit runs.
export const PHONE_PATTERN = /(?<!\d)(?:(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}|0\d{2,3}-\d{7,8})(?!\d)/g;

/** ID and phone numbers masked as in the logs: the first 3 and last 2 characters kept to tell two numbers apart. */
export function maskPersonalNumbers(text: string): string {
  return redactIdNumbers(text).replace(PHONE_PATTERN, (m) => `${m.slice(0, 3)}******${m.slice(-2)}`);
}

/**
 * ID numbers never need to be kept: the transcript stores the message with them masked (first 3, last 2 digits),
 * as the logs do. Phone numbers stay: a counselor may need one to reach a person in danger.
 */
export function redactIdNumbers(text: string): string {
  if (!ID_LOOSE_FIRST.test(text)) return text;
  // First the plain 18-character form, whatever stands next to it (a phone number, a room number), then the
  // grouped and spaced forms in what is left.
  const plain = text.replace(ID_PLAIN_PATTERN, (m) => `${m.slice(0, 3)}*************${m.slice(-2)}`);
  return plain.replace(ID_LOOSE_PATTERN, (m) => {
    const digits = m.replace(ID_SEPARATORS, "");
    return `${digits.slice(0, 3)}*************${digits.slice(-2)}`;
  });
}

/**
 * An 18-character ID as people really type it: ASCII or full-width digits (１１０１…), perhaps in groups split by
 * single spaces or hyphens (110105 19900307 1239), final X in either width. Whatever its checksum: a mistyped ID
 * number is still personal data. Not part of a longer digit run.
 */
const D = "[0-9\uff10-\uff19]";
const SEP = "[ \\u2010-\\u2015\\u3000\\uff0d-]";
const ID_SEPARATORS = new RegExp(SEP, "g");
const ID_LOOSE_PATTERN = new RegExp(
  `(?<!${D}${SEP}?)(?:${D}(?:${SEP}(?=${D}))?){17}[0-9\uff10-\uff19xX\uff38\uff58](?!${SEP}?[0-9\uff10-\uff19xX\uff38\uff58])`,
  "g",
);
const ID_PLAIN_PATTERN = new RegExp(
  `(?<!${D})${D}{17}[0-9\uff10-\uff19xX\uff38\uff58](?![0-9\uff10-\uff19xX\uff38\uff58])`,
  "g",
);
/** Most texts have no run of 15 digits at all: a cheap test first. */
const ID_LOOSE_FIRST = new RegExp(`${D}(?:${SEP}?${D}){14}`);
