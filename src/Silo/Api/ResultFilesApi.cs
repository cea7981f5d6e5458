using Amber.Silo.Auth;
using Amber.Grains;
using Amber.Storage.Blobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Amber.Silo.Api;

/// <summary>
/// A sweep's result files (Parquet) in the blob store, for users: read-only, only below <c>results/{sweep}/</c>.
/// <code>
/// GET /api/sweeps/{id}/files[?trial=t]  sweep-level files (summary.parquet), or with trial: that trial's run files
///                                       in name order                                200 ResultFileView[] | 400 | 404
/// GET /api/sweeps/{id}/files/{**path}   one file, path relative to results/{id}/    200 application/vnd.apache.parquet | 400 | 404
/// </code>
/// A path is validated as a blob name (no '..', no absolute path, no backslash, no control character) and must end in
/// ".parquet"; errors name the rule, never the content of a file.
/// </summary>
public static class ResultFilesApi
{
    /// <summary>One file of a sweep's results.</summary>
    /// <param name="Path">Relative to <c>results/{sweep}/</c>, e.g. "t0/1-1/metrics.parquet" or "summary.parquet".</param>
    public sealed record ResultFileView(string Path, long Length, DateTimeOffset LastModified);

    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapResultFilesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/sweeps/{id}/files").RequireAuthorization(SiloRoles.User).WithTags("results");
        api.MapGet("/", ListAsync);
        api.MapGet("/{**path}", DownloadAsync);
        return app;
    }

    private static string Prefix(string sweepId) => $"results/{sweepId}/";

    /// <summary>Files a sweep writes at its level (docs/results.md); per-run files live below one folder per trial.</summary>
    public static readonly IReadOnlyList<string> SweepLevelFiles = ["summary.parquet"];

    // A sweep of 10,000 trials has 150,000 run files: the sweep-level answer looks up its few names instead of listing them all.
    private static async Task<Results<Ok<ResultFileView[]>, ProblemHttpResult, ValidationProblem>> ListAsync(string id, string? trial, IGrainFactory grains, IBlobStore blobs, CancellationToken ct)
    {
        if (!IsSegment(id) || await grains.GetGrain<ISweepGrain>(id).GetAsync().ConfigureAwait(false) is null) return SweepNotFound(id);
        string prefix = Prefix(id);
        var files = new List<ResultFileView>();
        if (trial is null)
        {
            foreach (var name in SweepLevelFiles)
                if (await blobs.GetPropertiesAsync(prefix + name, ct).ConfigureAwait(false) is { } p) files.Add(new ResultFileView(name, p.Length, p.LastModified));
            return TypedResults.Ok(files.ToArray());
        }
        if (!IsSegment(trial))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["trial"] = ["a trial id is one path segment (no '/', '\\', '.' or '..')"] }, title: "Invalid trial");
        await foreach (var b in blobs.ListAsync($"{prefix}{trial}/", ct).ConfigureAwait(false))
            if (b.Name.EndsWith(".parquet", StringComparison.Ordinal)) files.Add(new ResultFileView(b.Name[prefix.Length..], b.Length, b.LastModified));
        return TypedResults.Ok(files.ToArray());
    }

    private static async Task<IResult> DownloadAsync(string id, string path, IGrainFactory grains, IBlobStore blobs, HttpContext http, CancellationToken ct)
    {
        if (!IsSegment(id) || await grains.GetGrain<ISweepGrain>(id).GetAsync().ConfigureAwait(false) is null) return SweepNotFound(id);
        try
        {
            BlobName.Validate(path, nameof(path));
        }
        catch (ArgumentException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["path"] = [e.Message.Split(" (Parameter", 2)[0]] }, title: "Invalid file path");
        }
        if (!path.EndsWith(".parquet", StringComparison.Ordinal))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["path"] = ["only .parquet result files can be downloaded"] }, title: "Invalid file path");
        var download = await blobs.GetAsync(Prefix(id) + path, ct).ConfigureAwait(false);
        if (download is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "File not found", detail: $"sweep '{id}' has no result file '{path}'");
        http.Response.RegisterForDisposeAsync(download);
        string fileName = path.Replace('/', '_');
        return TypedResults.Stream(download.Content, "application/vnd.apache.parquet", fileName, download.Properties.LastModified);
    }

    private static bool IsSegment(string id) => id.Length > 0 && id.IndexOfAny(['/', '\\']) < 0 && id is not ("." or "..");

    private static ProblemHttpResult SweepNotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Sweep not found", detail: $"no sweep has id '{id}'");
}
