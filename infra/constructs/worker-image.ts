import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { Construct } from 'constructs';
import { REPO_ROOT } from '../contract';

export interface WorkerImageProps {
  /** Build context. @default the repository root (its .dockerignore keeps the context to what the build needs) */
  readonly directory?: string;
}

/**
 * The one container image of the functions that run database tools (pg_dump, pg_restore, mariadb-dump,
 * mariadb), built from the repository's Dockerfile. Synth only stages the build context into cdk.out; the
 * image is built by `cdk deploy` (or a pipeline), never at synth, so synth needs no Docker engine.
 */
export class WorkerImage extends Construct {
  readonly asset: DockerImageAsset;

  constructor(scope: Construct, id: string, props: WorkerImageProps = {}) {
    super(scope, id);
    this.asset = new DockerImageAsset(this, 'Asset', {
      directory: props.directory ?? REPO_ROOT,
      file: 'Dockerfile',
      platform: Platform.LINUX_ARM64,
      displayName: 'Strongbox worker image',
    });
  }
}
