using Amber.Grains.Contracts;
using Amber.Silo.Auth;
using Amber.Silo.Hosting;
using Amber.Silo.Scheduling;
using Amber.Silo.Store.Sqlite;
using Amber.Silo.Tests.Store;
using Amber.Storage.Blobs.FileSystem;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Amber.Silo.Tests.Api;

/// <summary>The silo's API on an in-process test server over a fresh SQLite store.</summary>
public sealed class SiloApiFactory : WebApplicationFactory<SiloApiFactory>
{
    public const string UserToken = "user-token-for-tests-0123456789";
    public const string JoinToken = "join-token-for-tests-9876543210";

    private readonly SqliteStateStore store;
    private readonly string dir;

    public SiloApiFactory()
    {
        store = TestStores.Sqlite(out var path);
        dir = Path.GetDirectoryName(path)!;
        store.MigrateAsync().GetAwaiter().GetResult();
        Scheduler = new SiloScheduler(store, new FileSystemBlobStore(Path.Combine(dir, "blobs")));
    }

    public SiloScheduler Scheduler { get; }

    protected override IHostBuilder CreateHostBuilder() =>
        Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning))
            .ConfigureWebHost(web => web
                .ConfigureServices(s => s.AddSilo(Scheduler, new SiloAuthOptions { UserTokens = [UserToken], JoinToken = JoinToken }))
                .Configure(app =>
                {
                    app.UseSilo();
                    app.UseEndpoints(e => e.MapSiloApi());
                }));

    // The API has no content files; the test output folder stands in for the project folder the factory looks for.
    protected override void ConfigureWebHost(IWebHostBuilder builder) => builder.UseContentRoot(AppContext.BaseDirectory);

    public HttpClient Client(string? token)
    {
        var c = CreateClient();
        if (token is not null) c.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return c;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Scheduler.DisposeAsync();
        await store.DisposeAsync();
        Directory.Delete(dir, true);
    }
}
