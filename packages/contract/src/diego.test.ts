import { describe, expect, it } from 'vitest';
import { LIFECYCLE_DIR, STAGING_PATHS, launcherArgs, lifecyclePath, stagingPaths } from './diego.ts';

describe("Diego's conventions", () => {
  it('puts the executables in /tmp/lifecycle', () => {
    expect(LIFECYCLE_DIR).toBe('/tmp/lifecycle');
    expect(lifecyclePath('builder')).toBe('/tmp/lifecycle/builder');
  });

  it('names the staging files as the staging Task does, under /tmp or another root', () => {
    expect(STAGING_PATHS).toEqual({
      buildDir: '/tmp/app',
      outputDroplet: '/tmp/droplet',
      outputMetadata: '/tmp/result.json',
      outputBuildArtifactsCache: '/tmp/output-cache',
      buildpacksDir: '/tmp/buildpacks',
      buildpacksDownloadDir: '/tmp/buildpackdownloads',
      buildArtifactsCacheDir: '/tmp/cache',
    });
    expect(stagingPaths('/var/tmp/ws/').buildDir).toBe('/var/tmp/ws/app');
  });

  it("gives the launcher the LRP's three arguments", () => {
    expect(launcherArgs('')).toEqual(['app', '', '{}']);
    expect(launcherArgs('bundle exec rackup', '{"x":1}')).toEqual(['app', 'bundle exec rackup', '{"x":1}']);
  });
});
