// Second-factor helpers shared by the sign-in screen and the account security screen: the QR code of an otpauth://
// URI (drawn as SVG from qrcode-generator's modules, never parsed from markup), and WebAuthn through
// navigator.credentials with the server's JSON options (base64url fields) turned into buffers and back.

import qrcode from "qrcode-generator";

const SVG = "http://www.w3.org/2000/svg";

/** An SVG QR code of `text` (error correction M, 4-module quiet zone), with an accessible name. */
export function qrSvg(text: string, label: string): SVGSVGElement {
  const qr = qrcode(0, "M");
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  const size = n + 8;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${size} ${size}`);
  svg.setAttribute("width", "200");
  svg.setAttribute("height", "200");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.setAttribute("class", "qr");
  const bg = document.createElementNS(SVG, "rect");
  bg.setAttribute("width", String(size));
  bg.setAttribute("height", String(size));
  bg.setAttribute("fill", "#fff");
  svg.append(bg);
  let d = "";
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (qr.isDark(r, c)) d += `M${c + 4} ${r + 4}h1v1h-1z`;
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", d);
  path.setAttribute("fill", "#000");
  svg.append(path);
  return svg;
}

export function webauthnAvailable(): boolean {
  return typeof window.PublicKeyCredential === "function" && !!navigator.credentials;
}

function fromB64url(text: string): ArrayBuffer {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}

function toB64url(buf: ArrayBuffer | null): string | null {
  if (!buf) return null;
  let bin = "";
  for (const b of new Uint8Array(buf)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

type Json = Record<string, unknown>;
interface Descriptor {
  id: string;
  type: string;
  transports?: string[];
}

function descriptors(list: unknown): PublicKeyCredentialDescriptor[] {
  return ((list as Descriptor[] | undefined) ?? []).map((d) => ({
    id: fromB64url(d.id),
    type: "public-key" as const,
    transports: d.transports as AuthenticatorTransport[] | undefined,
  }));
}

/** Register a security key or passkey: navigator.credentials.create() with the server's options; the answer as JSON. */
export async function createCredential(options: Json): Promise<Json> {
  const user = options.user as Json;
  const publicKey = {
    ...options,
    challenge: fromB64url(String(options.challenge)),
    user: { ...user, id: fromB64url(String(user.id)) },
    excludeCredentials: descriptors(options.excludeCredentials),
  } as unknown as PublicKeyCredentialCreationOptions;
  const cred = (await navigator.credentials.create({ publicKey })) as PublicKeyCredential | null;
  if (!cred) throw new Error("no credential");
  const resp = cred.response as AuthenticatorAttestationResponse;
  return {
    id: cred.id,
    rawId: toB64url(cred.rawId),
    type: cred.type,
    response: { clientDataJSON: toB64url(resp.clientDataJSON), attestationObject: toB64url(resp.attestationObject) },
  };
}

/** Prove a registered key: navigator.credentials.get() with the server's options; the answer as JSON. */
export async function getAssertion(options: Json): Promise<Json> {
  const publicKey = {
    ...options,
    challenge: fromB64url(String(options.challenge)),
    allowCredentials: descriptors(options.allowCredentials),
  } as unknown as PublicKeyCredentialRequestOptions;
  const cred = (await navigator.credentials.get({ publicKey })) as PublicKeyCredential | null;
  if (!cred) throw new Error("no credential");
  const resp = cred.response as AuthenticatorAssertionResponse;
  return {
    id: cred.id,
    rawId: toB64url(cred.rawId),
    type: cred.type,
    response: {
      clientDataJSON: toB64url(resp.clientDataJSON),
      authenticatorData: toB64url(resp.authenticatorData),
      signature: toB64url(resp.signature),
      userHandle: toB64url(resp.userHandle),
    },
  };
}
