"""The engines that run the classification: local (pandas) and Spark."""
