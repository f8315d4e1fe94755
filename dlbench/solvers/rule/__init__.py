"""Rule-based solvers: hand-designed programs that learn at most a few counts, thresholds or rules.

Owns the rule family for every modality: baselines (majority, OneR, the task's own rules),
RIPPER rule lists, the nearest class template for images and keyword/lexicon rules for text.
"""

from dlbench.solvers.rule.baselines import Majority, OneR, TaskRules
from dlbench.solvers.rule.ripper import Ripper
from dlbench.solvers.rule.templates import NearestTemplate
from dlbench.solvers.rule.text import KeywordRules, Vader

__all__ = ["KeywordRules", "Majority", "NearestTemplate", "OneR", "Ripper", "TaskRules", "Vader"]
