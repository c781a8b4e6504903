import { describe, expect, it, vi } from 'vitest';
import { defineCommand, helpText, integerArg, parseCommandLine, UsageError } from '../../src/cli/args';

const spec = defineCommand({
  name: 'demo',
  usage: 'demo [options] <file>',
  summary: 'A command for the tests.',
  options: {
    port: { type: 'string', value: 'N', description: 'a port' },
    'dry-run': { type: 'boolean', short: 'n', description: 'plan only' },
    header: { type: 'string', multiple: true, description: 'a header' },
  },
  positionals: { min: 1, max: 1, label: 'the file' },
  notes: ['exit codes:\n  0  fine'],
});

const usageError = (argv: string[]) => {
  try {
    parseCommandLine(spec, argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`accepted ${argv.join(' ')}`);
};

describe('the shared command-line parser', () => {
  it('parses options, repeated options and the positional', () => {
    expect(parseCommandLine(spec, ['--port', '80', '-n', '--header', 'a:1', '--header', 'b:2', 'f.json'])).toEqual({
      values: { port: '80', 'dry-run': true, header: ['a:1', 'b:2'] },
      positionals: ['f.json'],
    });
  });

  it('refuses what the command does not take, in one line, suggesting the nearest option', () => {
    expect(usageError(['--prot', '80', 'f'])).toBe('unknown option --prot (did you mean --port?)');
    expect(usageError(['--dryrun', 'f'])).toBe('unknown option --dryrun (did you mean --dry-run?)');
    expect(usageError(['--verbose', 'f'])).toBe('unknown option --verbose');
    expect(usageError(['f', '--port'])).toMatch(/^option '--port <value>' argument missing$/);
    expect(usageError(['--dry-run=yes', 'f'])).toMatch(/does not take an argument/);
    expect(usageError([])).toBe('missing the file');
    expect(usageError(['a', 'b'])).toBe('unexpected argument b');
  });

  it('prints the help for -h, even beside a typo, and returns nothing to run', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(parseCommandLine(spec, ['-h'])).toBeUndefined();
      expect(parseCommandLine(spec, ['--prot', '1', '--help'])).toBeUndefined();
      expect(write).toHaveBeenCalledTimes(2);
      expect(write.mock.calls[0]?.[0]).toBe(helpText(spec));
    } finally {
      write.mockRestore();
    }
    expect(helpText(spec)).toMatch(/^usage: demo \[options\] <file>\n\nA command for the tests\.\n\noptions:\n/);
    expect(helpText(spec)).toMatch(/^ {6}--port N +a port$/m);
    expect(helpText(spec)).toMatch(/^ {2}-n, --dry-run +plan only$/m);
    expect(helpText(spec)).toMatch(/--header VALUE +a header \(repeatable\)$/m);
    expect(helpText(spec)).toMatch(/exit codes:\n {2}0 {2}fine\n$/);
  });

  it('reads whole numbers within bounds only', () => {
    expect(integerArg('--port', '18090', { min: 0, max: 65535 })).toBe(18090);
    for (const bad of ['70000', '-1', '1.5', '8080x', '', ' '])
      expect(() => integerArg('--port', bad, { min: 0, max: 65535 })).toThrow(/^--port takes a whole number from 0 to 65535/);
  });
});
