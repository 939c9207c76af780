import { bytes } from './bytes.js';
import type { Format, FormatName } from './format.js';
import { json } from './json.js';
import { string } from './text.js';

export { FORMAT_NAMES, type Format, type FormatName } from './format.js';

const FORMATS: Readonly<Record<FormatName, Format>> = { json, string, bytes };

export const formatNamed = (name: FormatName): Format => FORMATS[name];
