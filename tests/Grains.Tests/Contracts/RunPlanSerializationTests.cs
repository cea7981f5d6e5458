using Amber.Grains.Contracts;
using Amber.Grains.Parameters;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Amber.Grains.Tests.Contracts;

public sealed class RunPlanSerializationTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_prune_flag_survives_Orleans_serialization(bool askToPrune)
    {
        using var services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(RunPlan).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var plan = new RunPlan("r", "s", "t", 3, new TrialParameters([new("method", ParameterValue.Of("ce"))]),
            new RunProtocol("synthetic", "builtin", new Dictionary<string, string>(), 1, 5, 1, "random"), 1, 2) { AskToPrune = askToPrune };
        var copy = serializer.Deserialize<RunPlan>(serializer.SerializeToArray(plan))!;
        Assert.Equal(askToPrune, copy.AskToPrune);
        Assert.Equal(plan.RunId, copy.RunId);
        Assert.Equal(plan.MaxRetries, copy.MaxRetries);
    }
}
