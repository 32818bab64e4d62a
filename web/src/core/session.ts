// Who is signed in (GET /api/v1/auth/me) and what they may do.

import { ApiError, get, post } from "./api";

export interface Me {
  kind: string;
  name: string;
  role: string;
  unit: string | null;
  division: string | null;
  permissions: string[];
}

let me: Me | null = null;

export function current(): Me | null {
  return me;
}

export function can(perm: string): boolean {
  return !!me && me.permissions.includes(perm);
}

export function isCommunity(): boolean {
  return !!me && (me.role === "resident" || me.role === "business");
}

interface Profile {
  username: string;
  display_name: string;
  account_type: string;
}

/** Load the signed-in user (null when not signed in). Community accounts hold only community:self, so they are
 * known through their profile (/api/v1/community/me) rather than /api/v1/auth/me. */
export async function load(): Promise<Me | null> {
  try {
    me = await get<Me>("/api/v1/auth/me", { quiet401: true });
  } catch (err) {
    me = null;
    if (err instanceof ApiError && err.status === 403) {
      try {
        const p = await get<Profile>("/api/v1/community/me", { quiet401: true });
        me = { kind: "user", name: p.display_name, role: p.account_type, unit: null, division: null, permissions: ["community:self"] };
      } catch {
        me = null;
      }
    }
  }
  return me;
}

/** The answer of the password step when the account needs a second factor (or must enrol one first). */
export interface MfaChallenge {
  status: "mfa_required";
  challenge: string;
  expires_at: string;
  methods: Array<"totp" | "webauthn" | "recovery">;
  enrol: boolean;
}

/** Thrown by `signIn` when the password was right and a second factor is needed: `step` carries the challenge. */
export class MfaNeeded extends Error {
  step: MfaChallenge;
  constructor(step: MfaChallenge) {
    super("a second factor is needed");
    this.step = step;
  }
}

export async function signIn(username: string, password: string): Promise<Me | null> {
  const answer = await post<{ status?: string }>("/api/v1/auth/login", { username, password });
  if (answer && answer.status === "mfa_required") throw new MfaNeeded(answer as MfaChallenge);
  return load();
}

export async function signOut(): Promise<void> {
  try {
    await post("/api/v1/auth/logout");
  } finally {
    me = null;
  }
}
