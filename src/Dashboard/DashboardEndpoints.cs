using System.Collections.Frozen;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Amber.Dashboard;

/// <summary>
/// Serves the dashboard, a static app that talks only to the silo's HTTP API (bearer token) and its server-sent events.
/// <code>
/// GET /dashboard              redirect to /dashboard/
/// GET /dashboard/{**file}     the app's files (index.html, app/*.js, app.css, vendor/*), embedded in this assembly
/// </code>
/// The files are public (they hold no data); every piece of data comes from /api/…, which refuses requests without a
/// user token. Responses carry a strict Content-Security-Policy: scripts and connections only from this origin.
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>Where the dashboard lives.</summary>
    public const string BasePath = "/dashboard";

    private static readonly Assembly Self = typeof(DashboardEndpoints).Assembly;

    private static readonly FrozenSet<string> Files = Self.GetManifestResourceNames()
        .Where(n => n.StartsWith("wwwroot/", StringComparison.Ordinal)).Select(n => n["wwwroot/".Length..]).ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".mjs"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
        [".txt"] = "text/plain; charset=utf-8",
        [".json"] = "application/json",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    /// <summary>True when the chart library was vendored at build time (wwwroot/vendor/echarts.min.js embedded).</summary>
    public static bool HasChartLibrary => Files.Contains("vendor/echarts.min.js");

    /// <summary>Maps the dashboard's routes onto <paramref name="endpoints"/>; call it next to the silo's <c>MapSiloApi()</c>.</summary>
    public static IEndpointRouteBuilder MapAmberDashboard(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(BasePath + "/{**file}", Serve).AllowAnonymous().ExcludeFromDescription();
        return endpoints;
    }

    /// <summary>The URL a user opens: the base address, the dashboard path and the token in the fragment (never sent to a server or logged).</summary>
    public static string SignInUrl(Uri baseAddress, string token) =>
        $"{baseAddress.GetLeftPart(UriPartial.Authority)}{BasePath}/#token={Uri.EscapeDataString(token)}";

    private static IResult Serve(string? file, HttpContext http)
    {
        // "/dashboard" and "/dashboard/" reach the same route; relative links in index.html need the trailing slash.
        if (string.IsNullOrEmpty(file) && !(http.Request.Path.Value ?? "").EndsWith('/')) return Results.Redirect(http.Request.PathBase + BasePath + "/");
        string name = string.IsNullOrEmpty(file) ? "index.html" : file;
        if (!Files.Contains(name)) return Results.NotFound();
        var stream = Self.GetManifestResourceStream("wwwroot/" + name)!;
        string type = ContentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream");
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        // The app's own files change with each build; vendored libraries are pinned, so they may be cached.
        headers.CacheControl = name.StartsWith("vendor/", StringComparison.Ordinal) ? "public, max-age=86400" : "no-cache";
        return Results.Stream(stream, type);
    }
}
