using System.Text.Json;
using System.Text.Json.Serialization;
using Amber.Silo.Api;
using Amber.Silo.Auth;
using Amber.Silo.Scheduling;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Amber.Silo.Hosting;

/// <summary>Wires the silo's HTTP API into an ASP.NET Core app: services, middleware and routes.</summary>
public static class SiloServices
{
    /// <summary>JSON as the API writes it (camelCase, enums as snake_case strings); clients use the same options.</summary>
    public static JsonSerializerOptions Json { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>Registers the scheduler (owned by the caller), auth with <paramref name="auth"/>, problem details and OpenAPI.</summary>
    public static IServiceCollection AddSilo(this IServiceCollection services, SiloScheduler scheduler, SiloAuthOptions auth)
    {
        services.AddSingleton(scheduler);
        services.AddSingleton(auth);
        services.AddHostedService<SchedulerLifetime>();
        services.Configure<JsonOptions>(o => Configure(o.SerializerOptions));
        services.AddRouting();
        services.AddProblemDetails();
        services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(SiloRoles.User, p => p.RequireRole(SiloRoles.User))
            .AddPolicy(SiloRoles.Join, p => p.RequireRole(SiloRoles.Join))
            .AddPolicy(SiloRoles.Worker, p => p.RequireRole(SiloRoles.Worker));
        services.AddOpenApi();
        return services;
    }

    /// <summary>Problem-details errors for exceptions and bare status codes, then authentication and authorization.</summary>
    public static IApplicationBuilder UseSilo(this IApplicationBuilder app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    /// <summary>Maps /health, the API and the OpenAPI document (/openapi/v1.json, users only).</summary>
    public static IEndpointRouteBuilder MapSiloApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthApi();
        endpoints.MapSweepsApi();
        endpoints.MapRunsApi();
        endpoints.MapWorkersApi();
        endpoints.MapEventsApi();
        endpoints.MapResultFilesApi();   // read-only, for the dashboard
        endpoints.MapTrialTableApi();    // read-only, for the dashboard
        endpoints.MapOpenApi().RequireAuthorization(SiloRoles.User);
        return endpoints;
    }

    private static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        return o;
    }

    /// <summary>Starts the scheduler's loops with the host; the owner of the scheduler disposes it.</summary>
    private sealed class SchedulerLifetime(SiloScheduler scheduler) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => scheduler.StartAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
