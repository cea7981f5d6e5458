using Amber.Grains.Contracts;
using Amber.Silo.Auth;
using Amber.Silo.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Amber.Silo.Hosting;

/// <summary>Builds the silo's web application (Kestrel, minimal APIs) around an existing scheduler.</summary>
public static class SiloApplication
{
    /// <summary>
    /// A ready-to-run app listening on <paramref name="urls"/> (e.g. "http://127.0.0.1:5080"; port 0 picks a free one).
    /// The caller owns <paramref name="scheduler"/> and disposes it after the app stops.
    /// </summary>
    public static WebApplication Build(SiloScheduler scheduler, SiloAuthOptions auth, string urls, LogLevel minimumLevel = LogLevel.Warning)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls);
        builder.Logging.SetMinimumLevel(minimumLevel);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning); // framework chatter (hosting, data protection) stays out of the silo's log
        builder.Services.AddSilo(scheduler, auth);
        var app = builder.Build();
        app.UseSilo();
        app.MapSiloApi();
        return app;
    }
}
