import { describe, expect, it } from 'vitest';
import { normalizedTemplate, synth } from './support';

// One snapshot per stack: a reviewer sees every change to the synthesized templates in the diff. Asset hashes
// change with any code edit and are normalized; everything else is the template as deployed.
describe('stack snapshots', () => {
  it('matches the data stack template', () => {
    // Prepare
    const { data } = synth();

    // Act
    const template = normalizedTemplate(data);

    // Assess
    expect(template).toMatchSnapshot();
  });

  it('matches the service stack template', () => {
    // Prepare
    const { service } = synth();

    // Act
    const template = normalizedTemplate(service);

    // Assess
    expect(template).toMatchSnapshot();
  });
});
