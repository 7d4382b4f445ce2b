// The proof app with zone.js (provideZoneChangeDetection).
import 'zone.js';
import { provideZoneChangeDetection } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { App, appConfig, expose, serverRendered } from './app.js';

bootstrapApplication(App, appConfig(provideZoneChangeDetection(), serverRendered())).then(expose, (error: unknown) => console.error('bootstrap failed', error));
