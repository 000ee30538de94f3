/**
 * The container test (`npm run test:container`, which builds the image first): one image, one
 * container at a time, driven through podman.
 */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/container'],
  testRegex: '\\.container-spec\\.ts$',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testTimeout: 180000,
  maxWorkers: 1,
  verbose: true,
};
