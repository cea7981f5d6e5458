using Amber.Training.Model;

namespace Amber.Training.Tests.Loop;

/// <summary>Bad input is reported with the field, the row, the value and what was expected.</summary>
public sealed class ValidationTests
{
    [Fact]
    public void A_soft_label_row_that_is_not_a_distribution_names_the_row_and_utterance()
    {
        var error = Assert.Throws<FormatException>(() => new TrainingData(new float[4], 2, new float[2], 1,
            [1, 0, 0.5f, 0.2f], 2, [0, 0], ["u1", "u2"], "fold1/train"));
        Assert.Contains("fold1/train", error.Message);
        Assert.Contains("soft[1] (utterance 'u2')", error.Message);
        Assert.Contains("summing to 0.7", error.Message);
    }

    [Fact]
    public void A_feature_matrix_of_the_wrong_size_is_reported_with_the_expected_shape()
    {
        var error = Assert.Throws<FormatException>(() => new TrainingData(new float[5], 2, new float[2], 1, [1, 0, 0, 1], 2, [0, 1]));
        Assert.Contains("speech is 5 values; expected [2, 2] = 4", error.Message);
    }

    [Fact]
    public void A_non_finite_feature_is_reported_with_its_position()
    {
        var error = Assert.Throws<FormatException>(() => new TrainingData([0, float.NaN], 1, [0, 0], 1, [1, 0, 0, 1], 2, [0, 1], ["a", "b"]));
        Assert.Contains("speech[1, 0] (utterance 'b') is NaN", error.Message);
    }

    [Fact]
    public void Options_and_configs_out_of_range_name_the_field()
    {
        Assert.Contains("TrainerOptions.BatchSize = 0", Assert.Throws<ArgumentException>(() => new TrainerOptions(BatchSize: 0).Validate()).Message);
        Assert.Contains("ModelConfig.Dropout = 1", Assert.Throws<ArgumentException>(() => new ModelConfig(4, 4, Dropout: 1).Validate()).Message);
        Assert.Contains("adamw, sgd", Assert.Throws<FormatException>(() => TrainerOptions.ParseOptimizer("lamb")).Message);
    }

    [Fact]
    public void Data_whose_widths_differ_from_the_model_is_refused()
    {
        var data = new TrainingData(new float[4], 2, new float[2], 1, [1, 0, 0, 1], 2, [0, 1]);
        var error = Assert.Throws<ArgumentException>(() => TrainingSession.Create(data, data, new ModelConfig(3, 1, 8, 2), new(), new()));
        Assert.Contains("Da = 2", error.Message);
        Assert.Contains("Da = 3", error.Message);
    }
}
