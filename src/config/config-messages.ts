// Problems the config stores and the config-dir source report. Istio has no codes for these, so tsmesh's own (TSM01xx).
import type { MessageType } from '../api/problems/messages.js';

function message(name: string, code: string, level: MessageType['level'], description: string, template: string): MessageType {
  return Object.freeze({ name, code, level, description, template });
}

export const ConfigMessages = {
  DuplicateResource: message('DuplicateResource', 'TSM0101', 'Warning',
    'Two documents in a config directory define the same resource; the one in the first file (by name, then by position) is used.',
    '%s is also defined in %s; that definition is used and this one is ignored'),
  CorruptStateFile: message('CorruptStateFile', 'TSM0102', 'Error',
    'A file in the state directory could not be loaded and was skipped; every other resource loaded.',
    'state file skipped: %s'),
  UnreadableConfigFile: message('UnreadableConfigFile', 'TSM0103', 'Error',
    'A file in a config directory could not be read; the resources it defined before stay in effect.',
    'cannot read file: %s'),
  LastGoodConfigKept: message('LastGoodConfigKept', 'TSM0104', 'Warning',
    'A resource in a config directory no longer loads; its last valid version stays in effect until the file is fixed or the resource removed.',
    '%s no longer loads from this file; its last valid version stays in effect'),
  ConfigNotStored: message('ConfigNotStored', 'TSM0105', 'Error',
    'The config store refused a resource from a config directory.',
    '%s was not stored: %s'),
} as const satisfies Record<string, MessageType>;

/** Every message the config layer can report, by code, for renderers that look names up (status.ts). */
export const CONFIG_MESSAGE_LIST: readonly MessageType[] = Object.values(ConfigMessages);
