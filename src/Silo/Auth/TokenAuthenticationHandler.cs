using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Amber.Grains.Workers;
using Amber.Grains.Contracts;
using Amber.Silo.Scheduling;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Amber.Silo.Auth;

/// <summary>
/// Bearer-token authentication for the three kinds of caller: users (configured tokens), joining workers (the join
/// token) and registered workers ("wk-….secret", checked against the hash the store keeps). Every comparison is
/// between SHA-256 digests with <see cref="CryptographicOperations.FixedTimeEquals"/>, so timing reveals nothing.
/// </summary>
internal sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, SiloScheduler scheduler, SiloAuthOptions tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AmberBearer";
    public const string WorkerIdClaim = "amber_worker_id";

    private readonly byte[][] userHashes = tokens.UserTokens.Where(t => !string.IsNullOrEmpty(t)).Select(Hash).ToArray();
    private readonly byte[]? joinHash = string.IsNullOrEmpty(tokens.JoinToken) ? null : Hash(tokens.JoinToken);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header)) return AuthenticateResult.NoResult();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.Fail("the Authorization header must be 'Bearer <token>'");
        string token = header["Bearer ".Length..].Trim();
        byte[] hash = Hash(token);

        bool user = false;
        foreach (var h in userHashes) user |= CryptographicOperations.FixedTimeEquals(h, hash); // no early exit: constant work
        if (user) return Success(new Claim(ClaimTypes.Role, SiloRoles.User));
        if (joinHash is not null && CryptographicOperations.FixedTimeEquals(joinHash, hash)) return Success(new Claim(ClaimTypes.Role, SiloRoles.Join));

        int dot = token.IndexOf('.', StringComparison.Ordinal);
        if (token.StartsWith("wk-", StringComparison.Ordinal) && dot > 3)
        {
            var worker = await scheduler.Store.GetWorkerAsync(token[..dot], Context.RequestAborted).ConfigureAwait(false);
            if (worker is not null && worker.State.Status != WorkerStatus.Left &&
                CryptographicOperations.FixedTimeEquals(Convert.FromHexString(worker.TokenHash), hash))
                return Success(new Claim(ClaimTypes.Role, SiloRoles.Worker), new Claim(WorkerIdClaim, worker.State.WorkerId));
        }
        return AuthenticateResult.Fail("the bearer token is not valid");
    }

    private AuthenticateResult Success(params Claim[] claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}

/// <summary>Roles and the policies named after them.</summary>
public static class SiloRoles
{
    /// <summary>A user: submit, cancel, read.</summary>
    public const string User = "user";

    /// <summary>A worker that may register.</summary>
    public const string Join = "join";

    /// <summary>A registered worker.</summary>
    public const string Worker = "worker";
}
