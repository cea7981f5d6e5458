using Amber.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Amber.Silo.Tests.Api;

/// <summary>
/// A real silo for API tests: an Orleans silo (localhost clustering, memory state, free ports) with the HTTP API on
/// Kestrel at a free loopback port. Tests call the API over HTTP and act as workers through the silo's cluster client.
/// </summary>
public sealed class SiloApiFactory : IAsyncDisposable
{
    public const string UserToken = "user-token-for-tests-0123456789";

    private readonly WebApplication app;

    private SiloApiFactory(WebApplication app, Uri address, string dataRoot)
    {
        this.app = app;
        Address = address;
        DataRoot = dataRoot;
    }

    /// <summary>The API's base address.</summary>
    public Uri Address { get; }

    /// <summary>The one folder submitted sweeps may read from.</summary>
    public string DataRoot { get; }

    /// <summary>The silo's own cluster client (what an in-process worker uses).</summary>
    public IClusterClient Cluster => app.Services.GetRequiredService<IClusterClient>();

    /// <summary>Starts a silo with one-second leases.</summary>
    public static async Task<SiloApiFactory> StartAsync()
    {
        string root = Directory.CreateTempSubdirectory("amber-api-root-").FullName;
        var app = AmberSilo.Build(new AmberSiloOptions
        {
            Urls = "http://127.0.0.1:0",
            UserTokens = [UserToken],
            DataRoots = [root],
            Scheduling = o => o.LeaseDuration = TimeSpan.FromSeconds(1),
        });
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SiloApiFactory(app, new Uri(address), root);
    }

    /// <summary>An HTTP client of the API, with a bearer token unless <paramref name="token"/> is null.</summary>
    public HttpClient Client(string? token)
    {
        var c = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null) c.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return c;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        Directory.Delete(DataRoot, true);
    }
}
