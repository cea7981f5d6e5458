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

    [Fact]
    public void Azure_takes_a_connection_string_or_an_account_name_and_describes_neither_key()
    {
        const string cs = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=c2VjcmV0LWtleS1ieXRlcw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;";
        var spec = ClusterSpec.Parse("azure:" + cs);
        Assert.Equal((ClusterKind.Azure, cs), (spec.Kind, spec.ConnectionString));
        Assert.Equal("azure account devstoreaccount1 at http://127.0.0.1:10002", spec.ToString());
        var named = ClusterSpec.Parse("azure:amberprod01");
        Assert.Equal("azure account amberprod01 (DefaultAzureCredential)", named.ToString());
        var error = Assert.Throws<ArgumentException>(() => ClusterSpec.Parse("azure:Not_An_Account!"));
        Assert.Contains("storage account name", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => ClusterSpec.Parse("azure:AccountKey=c2VjcmV0LWtleS1ieXRlcw==;Bogus=1"));
        Assert.DoesNotContain("c2VjcmV0", error.Message, StringComparison.Ordinal);
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
