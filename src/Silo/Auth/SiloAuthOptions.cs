namespace Amber.Silo.Auth;

/// <summary>The tokens a silo accepts. Tokens are compared as SHA-256 hashes in constant time and never logged.</summary>
public sealed class SiloAuthOptions
{
    /// <summary>Bearer tokens of users (submit, cancel, read). At least one is needed for the user API to be usable.</summary>
    public IReadOnlyList<string> UserTokens { get; set; } = [];

    /// <summary>The token a worker presents once to register; it then uses the per-worker token it got back.</summary>
    public string? JoinToken { get; set; }
}
