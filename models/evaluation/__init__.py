"""Comparing families on every axis (issue 17): the measures that need more than one number per model.

manifold.py gives quality and coverage as two numbers (precision and recall of k-NN manifolds in the
classifier's feature space, Kynkaanniemi et al. 2019), memorization.py each sample's nearest training digit
and whether it is a near-copy, interval.py a bootstrap interval for the Frechet distance."""
