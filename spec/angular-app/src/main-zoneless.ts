// The proof app without zone.js (provideZonelessChangeDetection): zone.js is never loaded.
import { provideZonelessChangeDetection } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { App, appConfig, expose, serverRendered } from './app.js';

bootstrapApplication(App, appConfig(provideZonelessChangeDetection(), serverRendered())).then(expose, (error: unknown) => console.error('bootstrap failed', error));
