/**
 * The flat XML WeChat speaks: `<xml><ToUserName><![CDATA[…]]></ToUserName><CreateTime>…</CreateTime>…</xml>`.
 * A small strict reader instead of a general parser: no attributes, no DTD or entity declarations (so no entity
 * expansion), the five predefined entities and numeric references only, bounded depth and field count. Nested
 * elements (some menu events carry them) are read and dropped. Anything else is an XmlError.
 */
export class XmlError extends Error {
  override name = "XmlError";
}

const MAX_FIELDS = 64;
const MAX_DEPTH = 4;
const NAME = /[A-Za-z_][A-Za-z0-9_.-]{0,63}/y;
const ENTITY = /&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));/y;
const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

export function parseWechatXml(src: string): Record<string, string> {
  let i = 0;
  const fail = (why: string): never => {
    throw new XmlError(`${why} at ${i}`);
  };
  const ws = () => {
    while (i < src.length && /\s/.test(src[i] as string)) i++;
  };
  const expect = (s: string) => {
    if (!src.startsWith(s, i)) fail(`expected ${s}`);
    i += s.length;
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(src);
    if (!m) return fail("expected a name");
    i += m[0].length;
    return m[0];
  };
  /** The content of an element whose start tag was read, up to and including its end tag. */
  const content = (tag: string, depth: number): string => {
    if (depth > MAX_DEPTH) fail("nested too deeply");
    let out = "";
    for (;;) {
      if (i >= src.length) fail(`unclosed <${tag}>`);
      const c = src[i];
      if (c === "<") {
        if (src.startsWith("<![CDATA[", i)) {
          const end = src.indexOf("]]>", i + 9);
          if (end < 0) fail("unclosed CDATA");
          out += src.slice(i + 9, end);
          i = end + 3;
        } else if (src.startsWith("</", i)) {
          i += 2;
          if (name() !== tag) fail(`mismatched </…> for <${tag}>`);
          ws();
          expect(">");
          return out;
        } else {
          i++;
          const child = name();
          ws();
          expect(">");
          content(child, depth + 1);
        }
      } else if (c === "&") {
        ENTITY.lastIndex = i;
        const m = ENTITY.exec(src);
        if (!m) return fail("unknown entity");
        const code = m[2] ? Number(m[2]) : m[3] ? Number.parseInt(m[3], 16) : undefined;
        if (code !== undefined && (code > 0x10ffff || code === 0)) fail("bad character reference");
        out += code !== undefined ? String.fromCodePoint(code) : (NAMED[m[1] as string] as string);
        i += m[0].length;
      } else {
        out += c;
        i++;
      }
    }
  };

  ws();
  if (src.startsWith("<?xml", i)) {
    const end = src.indexOf("?>", i);
    if (end < 0) fail("unclosed declaration");
    i = end + 2;
    ws();
  }
  expect("<xml>");
  const fields: Record<string, string> = Object.create(null);
  let count = 0;
  for (;;) {
    ws();
    if (src.startsWith("</xml>", i)) {
      i += 6;
      ws();
      if (i !== src.length) fail("content after </xml>");
      return fields;
    }
    expect("<");
    const tag = name();
    ws();
    expect(">");
    const value = content(tag, 1);
    if (tag in fields) fail(`<${tag}> twice`);
    if (++count > MAX_FIELDS) fail("too many fields");
    fields[tag] = value;
  }
}

/** A CDATA section for any text: a `]]>` inside is split across two sections. */
export function cdata(text: string): string {
  return `<![CDATA[${text.replaceAll("]]>", "]]]]><![CDATA[>")}]]>`;
}

/** A passive text reply to the message `to` sent to the account `from`. */
export function textReplyXml(to: string, from: string, createTime: number, content: string): string {
  return `<xml><ToUserName>${cdata(to)}</ToUserName><FromUserName>${cdata(from)}</FromUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>${cdata(content)}</Content></xml>`;
}

/** The envelope of an encrypted (safe-mode) passive reply. */
export function encryptedReplyXml(
  encrypt: string,
  signature: string,
  timestamp: string,
  nonce: string,
): string {
  return `<xml><Encrypt>${cdata(encrypt)}</Encrypt><MsgSignature>${cdata(signature)}</MsgSignature><TimeStamp>${timestamp}</TimeStamp><Nonce>${cdata(nonce)}</Nonce></xml>`;
}
