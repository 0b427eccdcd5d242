# syntax=docker/dockerfile:1
# The worker image of the functions that run database tools (run-dump, restore "Pre-restore backup" and
# "Load dump"), and later the ECS Fargate task for dumps longer than Lambda's 15 minutes. One image, one
# bundle per handler; each function picks its handler with a CMD override (infra/constructs/function.ts).

# Build: the same esbuild bundles as the zip functions (scripts/build.ts), for the build machine's platform
# since JavaScript bundles do not depend on it.
FROM --platform=$BUILDPLATFORM public.ecr.aws/lambda/nodejs:22 AS build
WORKDIR /build
COPY package.json package-lock.json ./
# Scripts are skipped: the bundler runs on this image's Node 22, not on the `node` package's download.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY infra/bundling.ts infra/bundling.ts
COPY scripts/build.ts scripts/build.ts
COPY lambdas lambdas
RUN node --import tsx scripts/build.ts --outdir dist

# Run: the Lambda Node.js 22 base image (Amazon Linux 2023) plus the client tools. PostgreSQL 17 client tools
# dump and restore servers up to 17; MariaDB 10.5 client tools (mariadb-dump, mariadb) speak to MySQL and MariaDB.
FROM public.ecr.aws/lambda/nodejs:22
RUN dnf install -y postgresql17 mariadb105 \
  && dnf clean all \
  && rm -rf /var/cache/dnf \
  && pg_dump --version && pg_restore --version && mariadb-dump --version && mariadb --version
COPY --from=build /build/dist/ ${LAMBDA_TASK_ROOT}/
ENV NODE_OPTIONS=--enable-source-maps
CMD ["jobs/run-dump.handler"]
