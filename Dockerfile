# casguard as a container image: the static musl release binary on distroless/static, which adds
# only CA certificates, time zone data and a non-root user (no shell, no package manager).
# The release workflow builds it from the checked release archives in dist/linux-<arch>/:
#   docker buildx build --platform linux/amd64,linux/arm64 --tag ghcr.io/casguard/casguard:vX.Y.Z .
# Run it with the policy repository mounted, as your own user so reports are yours:
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/work" ghcr.io/casguard/casguard:vX.Y.Z lint
FROM gcr.io/distroless/static-debian12:nonroot
ARG TARGETARCH
COPY --chmod=0755 dist/linux-${TARGETARCH}/casguard /usr/local/bin/casguard
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/casguard"]
CMD ["--help"]
