using Amber.Silo.Hosting;

namespace Amber.Silo.Tests.Hosting;

/// <summary>The <c>--cluster</c> option: its forms, and errors that name the option without echoing a password.</summary>
public sealed class ClusterSpecTests
{
    [Fact]
    public void Localhost_and_postgres_parse_and_the_description_hides_the_credentials()
    {
        Assert.Same(ClusterSpec.Localhost, ClusterSpec.Parse("localhost"));
        var spec = ClusterSpec.Parse("postgres:Host=db.internal;Port=5433;Username=amber;Password=hunter2-secret;Database=cluster");
        Assert.Equal(ClusterKind.Postgres, spec.Kind);
        Assert.Equal("Host=db.internal;Port=5433;Username=amber;Password=hunter2-secret;Database=cluster", spec.ConnectionString);
        Assert.Equal("postgres db.internal:5433/cluster", spec.ToString());
    }

    [Theory]
    [InlineData("mysql:Server=x;Password=hunter2-secret", "unknown scheme 'mysql'")]
    [InlineData("postgres:Password=hunter2-secret;Bogus=1", "is not a PostgreSQL connection string")]
    [InlineData("postgres:Password=hunter2-secret", "is not a PostgreSQL connection string")]
    [InlineData("Password=hunter2-secret", "has no scheme")]
    public void Bad_specs_name_the_option_and_the_problem_but_not_the_password(string spec, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => ClusterSpec.Parse(spec));
        Assert.Contains("--cluster", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }
}
