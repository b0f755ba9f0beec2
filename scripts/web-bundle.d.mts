export function bundleForBrowser(entry: string, outfile?: string): Promise<string | undefined>;
