# TimeMark in a container (docs/build.md, "Deployment files"): the same ./build.sh publish as everywhere else, run in
# the .NET SDK image, and the published files shipped in the ASP.NET Core runtime image.
#
# Both base images are pinned by digest, and the digests are inputs: there is no default, because we could not resolve
# them (no Docker engine or registry access where this file was written), and a made-up digest would be worse than none.
# Resolve them once, e.g. `docker buildx imagetools inspect mcr.microsoft.com/dotnet/sdk:10.0.401`, and pass them with
#   docker build --build-arg SDK_DIGEST=sha256:… --build-arg RUNTIME_DIGEST=sha256:… \
#     --build-arg SOURCE_COMMIT=$(git rev-parse HEAD) --build-arg BUILD_DATE=$(git log -1 --format=%cI) -t timemark .
# The build context must be the committed tree of SOURCE_COMMIT (e.g. a fresh clone or `git archive`), or the manifest
# names a commit that was not what was built. .dockerignore keeps .git and build outputs out of the context.

ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.401
ARG SDK_DIGEST
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0.12
ARG RUNTIME_DIGEST

FROM ${SDK_IMAGE}@${SDK_DIGEST} AS build
ARG SOURCE_COMMIT
ARG BUILD_DATE
WORKDIR /src
COPY . .
# No .git in the context: build.sh takes the commit and its date from the arguments, never from the clock.
RUN test -n "$SOURCE_COMMIT" && test -n "$BUILD_DATE" \
    || { echo "pass --build-arg SOURCE_COMMIT=<full commit> and --build-arg BUILD_DATE=<commit date>" >&2; exit 2; }
RUN ./build.sh publish /out --commit "$SOURCE_COMMIT" --date "$BUILD_DATE"

FROM ${RUNTIME_IMAGE}@${RUNTIME_DIGEST}
# Binaries and data live apart: the broker measures every file beside timemark.dll at start, and a data folder
# among them would show as unexpected files (a mismatch).
COPY --from=build /out /opt/timemark
WORKDIR /var/lib/timemark
RUN mkdir -p /var/lib/timemark/data /var/lib/timemark/devices && chown -R app:app /var/lib/timemark
USER app
VOLUME ["/var/lib/timemark/data", "/var/lib/timemark/devices"]
EXPOSE 1883 8080
ENTRYPOINT ["dotnet", "/opt/timemark/timemark.dll", "serve"]
