using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Amber.Silo.Auth;

/// <summary>
/// Sessions for the official Orleans dashboard, mounted at <see cref="Path"/> behind the API's authentication. A browser
/// navigating there cannot send the bearer header, so a caller that holds a user token exchanges it for a cookie:
/// <c>POST /api/session/orleans-dashboard</c> → <c>Set-Cookie</c> (HttpOnly, SameSite=Strict, limited to the dashboard's
/// path). The cookie holds an HMAC of the token's hash under a key that lives only in this process — never the token — and
/// is accepted nowhere else than below <see cref="Path"/>.
/// </summary>
public sealed class OrleansDashboardSession
{
    /// <summary>Where the Orleans dashboard is mounted.</summary>
    public const string Path = "/orleans-dashboard";

    /// <summary>The session cookie's name.</summary>
    public const string CookieName = "amber_orleans_dashboard";

    /// <summary>HttpContext item holding the authenticated bearer token's hash (set by the token handler).</summary>
    internal const string TokenHashItem = "amber.token-hash";

    private readonly byte[] key = RandomNumberGenerator.GetBytes(32);

    /// <summary>The cookie value for a user token's hash.</summary>
    public string Issue(byte[] tokenHash) => Convert.ToBase64String(HMACSHA256.HashData(key, tokenHash));

    /// <summary>True when <paramref name="cookie"/> was issued for one of <paramref name="userHashes"/> by this process.</summary>
    public bool Verify(string cookie, IReadOnlyList<byte[]> userHashes)
    {
        byte[] presented;
        try
        {
            presented = Convert.FromBase64String(cookie);
        }
        catch (FormatException)
        {
            return false;
        }
        bool ok = false;
        foreach (var h in userHashes) ok |= CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(key, h), presented);
        return ok;
    }
}

/// <summary>The route that opens an Orleans dashboard session.</summary>
public static class OrleansDashboardSessionApi
{
    /// <summary>Maps <c>POST /api/session/orleans-dashboard</c> (user token): sets the session cookie, answers 204.</summary>
    public static IEndpointRouteBuilder MapOrleansDashboardSession(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/session/orleans-dashboard", (HttpContext http, OrleansDashboardSession session) =>
        {
            if (http.Items[OrleansDashboardSession.TokenHashItem] is not byte[] hash) return Results.Unauthorized();
            http.Response.Cookies.Append(OrleansDashboardSession.CookieName, session.Issue(hash), new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = http.Request.IsHttps,
                Path = OrleansDashboardSession.Path,
                MaxAge = TimeSpan.FromHours(12),
            });
            return Results.NoContent();
        }).RequireAuthorization(SiloRoles.User).WithTags("session");
        return app;
    }
}
