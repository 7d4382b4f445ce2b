// Server-side rendering of the proof app (zoneless, as it hydrates in the browser):
// `node server.mjs <index.html> <url> <output.html>` writes the rendered page.
import { provideZonelessChangeDetection, mergeApplicationConfig } from '@angular/core';
import { bootstrapApplication, type BootstrapContext } from '@angular/platform-browser';
import { provideServerRendering, renderApplication } from '@angular/platform-server';
import { readFileSync, writeFileSync } from 'node:fs';
import { App, appConfig } from './app.js';

const [documentPath, url, outputPath] = process.argv.slice(2) as [string, string, string];
const config = mergeApplicationConfig(appConfig(provideZonelessChangeDetection(), true), { providers: [provideServerRendering()] });
const html = await renderApplication((context: BootstrapContext) => bootstrapApplication(App, config, context), {
  document: readFileSync(documentPath, 'utf8'),
  url,
});
writeFileSync(outputPath, html);
