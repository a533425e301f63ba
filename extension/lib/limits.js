// Generated from companion/core/limits.py by scripts/extension-limits: do not edit.
// The companion refuses what is over these; the extension cuts to them before sending.

export const MAX_URL_LENGTH = 8192;
export const MAX_TITLE = 500;
export const MAX_NOTE = 10000;
export const MAX_TAGS = 50;
export const MAX_TAG = 100;
export const MAX_HEADER_VALUE = 8192;
export const MAX_DRAFT_BYTES = 2097152;
