// Command-line options of the scripts: `--name value`.

export function stringArg(name: string, argv = process.argv.slice(2)): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

export function numericArg(name: string, fallback: number, argv = process.argv.slice(2)): number {
  const value = stringArg(name, argv);
  return value === undefined ? fallback : Number(value);
}
