"""A tiny model definition for the hp-search example.

LocalMaster never runs it (it simulates training from the hyperparameters); a real master runs it with the
Core API: it trains a one-parameter linear model with plain SGD and reports `loss` and `validation_loss`, so the
learning rate decides whether it converges, plateaus or diverges, as in the simulation.
"""
import random

import determined as det


def main(core_context: det.core.Context) -> None:
    info = det.get_cluster_info()
    hparams = info.trial.hparams
    lr = float(hparams["learning_rate"])
    batch_size = int(hparams.get("global_batch_size", 32))
    rng = random.Random(info.trial.trial_id)
    w = 0.0  # fit y = 3x
    batches = 0
    for op in core_context.searcher.operations():
        while batches < op.length:
            xs = [rng.uniform(-1, 1) for _ in range(batch_size)]
            grad = sum(2 * (w * x - 3 * x) * x for x in xs) / batch_size
            w -= lr * grad
            batches += 1
            if batches % 100 == 0:
                loss = sum((w * x - 3 * x) ** 2 for x in xs) / batch_size
                core_context.train.report_training_metrics(batches, {"loss": loss})
                val = sum((w * x - 3 * x) ** 2 for x in [i / 50 - 1 for i in range(101)]) / 101
                core_context.train.report_validation_metrics(batches, {"validation_loss": val})
                op.report_progress(batches)
                if core_context.preempt.should_preempt():
                    return
        op.report_completed(val)


if __name__ == "__main__":
    with det.core.init() as core_context:
        main(core_context)
