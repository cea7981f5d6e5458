using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Amber.Silo.Auth;

/// <summary>
/// Bearer-token authentication of the HTTP API's users. Workers do not use HTTP: they are Orleans cluster clients.
/// Every comparison is between SHA-256 digests with <see cref="CryptographicOperations.FixedTimeEquals"/>, so timing
/// reveals nothing, and no token is ever logged.
/// </summary>
internal sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, SiloAuthOptions tokens, OrleansDashboardSession session)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AmberBearer";

    private readonly byte[][] userHashes = tokens.UserTokens.Where(t => !string.IsNullOrEmpty(t)).Select(Hash).ToArray();

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            // The Orleans dashboard is a browser page that cannot add a header: below its path (only there) a session
            // cookie that POST /api/session/orleans-dashboard issued to a bearer of a user token stands in for it.
            if (Request.Path.StartsWithSegments(OrleansDashboardSession.Path) && Request.Cookies[OrleansDashboardSession.CookieName] is { Length: > 0 } cookie)
            {
                return Task.FromResult(session.Verify(cookie, userHashes) ? Success() : AuthenticateResult.Fail("the dashboard session is not valid"));
            }
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return Task.FromResult(AuthenticateResult.Fail("the Authorization header must be 'Bearer <token>'"));
        byte[] hash = Hash(header["Bearer ".Length..].Trim());
        bool user = false;
        foreach (var h in userHashes) user |= CryptographicOperations.FixedTimeEquals(h, hash); // no early exit: constant work
        if (!user) return Task.FromResult(AuthenticateResult.Fail("the bearer token is not valid"));
        Context.Items[OrleansDashboardSession.TokenHashItem] = hash;
        return Task.FromResult(Success());
    }

    private static AuthenticateResult Success()
    {
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Role, SiloRoles.User)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    internal static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}

/// <summary>Roles and the policies named after them.</summary>
public static class SiloRoles
{
    /// <summary>A user: submit, cancel, read.</summary>
    public const string User = "user";
}
