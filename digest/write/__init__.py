"""The write stage: the new site swapped in atomically, under the build lock."""
