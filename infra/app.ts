import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from './app-factory';

// `cdk synth -c stage=<name>` reads config/<name>.json; cdk.json's context defaults the stage to "dev".
const { app } = buildApp();

// cdk-nag 3 runs as a policy validation plugin: any unacknowledged AwsSolutions error fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

app.synth();
