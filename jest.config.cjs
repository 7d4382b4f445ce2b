/** Jest runs the TypeScript sources directly (ts-jest, CommonJS output); `npm test` type-checks first. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
    // Angular publishes ES modules only (spec/angular/): esbuild makes them CommonJS.
    '^.+/node_modules/@angular/.+\\.m?js$': '<rootDir>/spec/angular/esm-transform.cjs',
  },
  transformIgnorePatterns: ['/node_modules/(?!@angular/)'],
  moduleNameMapper: {
    '^rxws$': '<rootDir>/lib/index.ts',
    '^rxws/testing/jest$': '<rootDir>/lib/testing/jest.ts',
    '^rxws/(.*)$': '<rootDir>/lib/$1/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 20000,
};
