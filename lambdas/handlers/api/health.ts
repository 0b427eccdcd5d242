// WORK IN PROGRESS: entry file named by infra; its implementation lands with the handler layer.
export const handler = async (): Promise<never> => {
  throw new Error('api/health is not implemented yet');
};
