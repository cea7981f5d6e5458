# The `amber` command in a container: the same image runs silos and workers (see k8s/).
#   docker build -t amber-distributed:latest .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Cli -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# OpenBLAS backs the training engine's GEMM (a managed SIMD fallback is used when it is absent).
RUN apt-get update && apt-get install -y --no-install-recommends libopenblas0-pthread && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
USER app
ENTRYPOINT ["dotnet", "/app/amber.dll"]
