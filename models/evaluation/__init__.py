"""Comparing families on every axis (issue 17): the measures that need more than one number per model.

manifold.py gives quality and coverage as two numbers (precision and recall of k-NN manifolds in the
classifier's feature space, Kynkaanniemi et al. 2019), memorization.py each sample's nearest training digit
and whether it is a near-copy (and the shipped digits' features that make the question cheap), interval.py a
bootstrap interval for the Frechet distance, table.py the one evaluation of every model (`genlab evaluate
--all`), quiz.py the real-or-fake rounds, human judgement as a measure."""
