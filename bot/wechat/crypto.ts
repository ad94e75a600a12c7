import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * WeChat's message signatures and safe-mode encryption (the WXBizMsgCrypt scheme of the Official Account
 * platform), with node:crypto only.
 */

/** SHA-1 over the lexically sorted parts joined without separator: `signature` and `msg_signature`. */
export function wechatSignature(...parts: string[]): string {
  return createHash("sha1")
    .update([...parts].sort().join(""))
    .digest("hex");
}

/** Constant-time comparison of a hex signature from the query string against the expected one. */
export function signatureMatches(expected: string, given: unknown): boolean {
  if (typeof given !== "string" || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given.toLowerCase(), "utf8"), Buffer.from(expected, "utf8"));
}

const BLOCK = 32;

export class WechatCryptoError extends Error {
  override name = "WechatCryptoError";
}

/**
 * Safe mode ("安全模式"): the 43-character EncodingAESKey is base64 for a 32-byte AES-256 key whose first 16
 * bytes are the CBC IV. A message is 16 random bytes, its length in 4 bytes (network order), the message, the
 * account's AppID, padded PKCS#7-style to a multiple of 32 bytes, then encrypted and base64-encoded.
 */
export interface WechatCrypto {
  encrypt(xml: string): string;
  /** Throws WechatCryptoError when the ciphertext, its padding, its length or its AppID is wrong. */
  decrypt(encrypted: string): string;
}

export function isEncodingAesKey(key: string): boolean {
  return /^[A-Za-z0-9+/]{43}$/.test(key) && Buffer.from(`${key}=`, "base64").length === 32;
}

export function createWechatCrypto(encodingAesKey: string, appId: string): WechatCrypto {
  if (!isEncodingAesKey(encodingAesKey))
    throw new Error("WECHAT_ENCODING_AES_KEY must be the 43 characters the platform generated");
  const key = Buffer.from(`${encodingAesKey}=`, "base64");
  const iv = key.subarray(0, 16);
  const appIdBytes = Buffer.from(appId, "utf8");
  return {
    encrypt(xml) {
      const msg = Buffer.from(xml, "utf8");
      const len = Buffer.alloc(4);
      len.writeUInt32BE(msg.length, 0);
      const plain = Buffer.concat([randomBytes(16), len, msg, appIdBytes]);
      const pad = BLOCK - (plain.length % BLOCK);
      const padded = Buffer.concat([plain, Buffer.alloc(pad, pad)]);
      const cipher = createCipheriv("aes-256-cbc", key, iv);
      cipher.setAutoPadding(false);
      return Buffer.concat([cipher.update(padded), cipher.final()]).toString("base64");
    },
    decrypt(encrypted) {
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encrypted)) throw new WechatCryptoError("not base64");
      const data = Buffer.from(encrypted, "base64");
      if (data.length === 0 || data.length % 16 !== 0) throw new WechatCryptoError("bad ciphertext length");
      let plain: Buffer;
      try {
        const decipher = createDecipheriv("aes-256-cbc", key, iv);
        decipher.setAutoPadding(false);
        plain = Buffer.concat([decipher.update(data), decipher.final()]);
      } catch {
        throw new WechatCryptoError("cannot decrypt");
      }
      const pad = plain[plain.length - 1] ?? 0;
      if (pad < 1 || pad > BLOCK || pad > plain.length) throw new WechatCryptoError("bad padding");
      const body = plain.subarray(0, plain.length - pad);
      if (body.length < 20) throw new WechatCryptoError("too short");
      const len = body.readUInt32BE(16);
      if (20 + len > body.length) throw new WechatCryptoError("bad length");
      const from = body.subarray(20 + len);
      if (from.length !== appIdBytes.length || !timingSafeEqual(from, appIdBytes))
        throw new WechatCryptoError("another account's message");
      return body.subarray(20, 20 + len).toString("utf8");
    },
  };
}
